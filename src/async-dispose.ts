// Symbol.asyncDispose as a type on TypeScript's ES2022 library too: Node.js 20 has the symbol at
// run time, but only lib "esnext.disposable" (or @types/node) declares it, and the public types
// name it. The same declaration @types/node makes, so the two merge.
declare global {
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}

export {};
