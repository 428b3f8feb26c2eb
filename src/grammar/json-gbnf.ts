// GBNF for any JSON value (RFC 8259), shared by Grammar.json() and the JSON Schema converter.
// Whitespace between tokens is bounded (a space, or a newline and up to 20 indentation
// characters, as llama.cpp's schema converter allows) and nothing may follow the value: a
// model cannot pad its output with whitespace forever. Integer parts have at most 16 digits.

/** Rules for JSON's lexical pieces: value, object, array, string, number, boolean, null, ws. */
export const JSON_RULES = String.raw`value ::= object | array | string | number | boolean | null
object ::= "{" ws ( string ws ":" ws value ws ( "," ws string ws ":" ws value ws )* )? "}"
array ::= "[" ws ( value ws ( "," ws value ws )* )? "]"
string ::= "\"" char* "\""
char ::= [^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} )
number ::= integer fraction? exponent?
integer ::= "-"? ( [0-9] | [1-9] [0-9]{0,15} )
fraction ::= "." [0-9]{1,16}
exponent ::= [eE] [-+]? [0-9]{1,3}
boolean ::= "true" | "false"
null ::= "null"
ws ::= | " " | "\n" [ \t]{0,20}
`;

/** Any JSON value, nothing around it. */
export const JSON_GBNF = `root ::= value\n${JSON_RULES}`;
