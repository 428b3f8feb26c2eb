// JS classes NativeGrammarVocabulary (a model's token pieces and trie, made once per model)
// and NativeGrammar (rules checked and bound to one vocabulary, shared by any number of
// samplers). Both are immutable from JS once made.
#pragma once

#include <napi.h>

#include <memory>

#include "grammar/compiled-grammar.h"

namespace fathom_binding {

class VocabularyWrap : public Napi::ObjectWrap<VocabularyWrap> {
public:
    static Napi::Function define(Napi::Env env);
    // new NativeGrammarVocabulary(pieces: Uint8Array, offsets: Uint32Array [n_vocab + 1], eog: Int32Array)
    explicit VocabularyWrap(const Napi::CallbackInfo & info);
    std::shared_ptr<const fathom::TokenTrie> trie() const { return trie_; }

private:
    std::shared_ptr<const fathom::TokenTrie> trie_;
};

class GrammarWrap : public Napi::ObjectWrap<GrammarWrap> {
public:
    static Napi::Function define(Napi::Env env);
    // new NativeGrammar(vocabulary, { elements, alternatives, ruleAlternatives, classes, names, root })
    explicit GrammarWrap(const Napi::CallbackInfo & info);
    std::shared_ptr<fathom::CompiledGrammar> grammar() const { return grammar_; }

private:
    // matches(text: string): boolean — the whole text is an output of the grammar.
    Napi::Value matches(const Napi::CallbackInfo & info);
    // recordTimings(on: boolean); takeTimings(): Float32Array — µs of grammar work per sampled token (benchmarks).
    Napi::Value record_timings(const Napi::CallbackInfo & info);
    Napi::Value take_timings(const Napi::CallbackInfo & info);
    // auditMasks(seed: number, steps: number): { steps, at: Uint32Array, tokens: Int32Array } (tests).
    Napi::Value audit_masks(const Napi::CallbackInfo & info);

    std::shared_ptr<fathom::CompiledGrammar> grammar_;
};

}  // namespace fathom_binding
