// A chat template is code from a downloaded file: rendering one is bounded in time, in the size of
// every value it builds (strings, lists, mappings), and in what range() may make at once, so a hostile
// template fails with an error instead of freezing the JS thread or exhausting V8's heap (which ends
// the process). @huggingface/jinja has no hook for this: while one of our renders runs (synchronously,
// so no other code can see it), its Interpreter's evaluate() is wrapped to count steps and sizes, and
// the range() its globals get is ours. Python-Jinja behaviours real templates rely on are installed
// for the same span (template-compat).
import { Environment, Interpreter, type Template } from '@huggingface/jinja';

import { installTemplateCompat } from './template-compat.js';

export interface TemplateBudget {
  /** Wall time for one render. */
  readonly timeMs: number;
  /** Characters in any one string, the output included. */
  readonly maxChars: number;
  /** Items in any one list or mapping, and in one range(). */
  readonly maxItems: number;
}

// Real templates render a conversation in well under 10 ms, into far fewer characters than any context holds.
export const TEMPLATE_BUDGET: TemplateBudget = { timeMs: 2000, maxChars: 1 << 24, maxItems: 1 << 20 };

/** What a render that ran past its budget throws (ChatTemplate turns it into a FathomError). */
export class TemplateBudgetError extends Error {}

type Evaluate = (this: Interpreter, statement: unknown, environment: unknown) => { value?: unknown } | undefined;
type SetVariable = (this: Environment, name: string, value: unknown) => unknown;

/** template.render(context) within `budget`; TemplateBudgetError past it. */
export function renderWithinBudget(template: Template, context: Record<string, unknown>, budget: TemplateBudget = TEMPLATE_BUDGET): string {
  // The Python-Jinja behaviours go in first and out last: the budget's hooks wrap them.
  const uninstallCompat = installTemplateCompat();
  try {
    return renderBounded(template, context, budget);
  } finally {
    uninstallCompat();
  }
}

function renderBounded(template: Template, context: Record<string, unknown>, budget: TemplateBudget): string {
  const prototype = Interpreter.prototype as unknown as { evaluate: Evaluate };
  const environment = Environment.prototype as unknown as { set: SetVariable };
  const evaluate = prototype.evaluate;
  const set = environment.set;
  const range = boundedRange(budget.maxItems);
  environment.set = function globals(name, value) {
    return set.call(this, name, name === 'range' ? range : value);
  };
  const deadline = performance.now() + budget.timeMs;
  let steps = 0;
  prototype.evaluate = function bounded(statement, environment) {
    if ((++steps & 1023) === 0 && performance.now() > deadline) throw new TemplateBudgetError(`the template ran past ${budget.timeMs} ms`);
    const result = evaluate.call(this, statement, environment);
    const value = result?.value;
    if (typeof value === 'string' && value.length > budget.maxChars)
      throw new TemplateBudgetError(`the template built a string of more than ${budget.maxChars} characters`);
    if ((Array.isArray(value) && value.length > budget.maxItems) || (value instanceof Map && value.size > budget.maxItems))
      throw new TemplateBudgetError(`the template built a list or mapping of more than ${budget.maxItems} items`);
    return result;
  };
  try {
    return template.render(context);
  } finally {
    prototype.evaluate = evaluate;
    environment.set = set;
  }
}

// Jinja's range(stop) / range(start, stop[, step]), refusing more than `maxItems` numbers before making any.
function boundedRange(maxItems: number) {
  return (...args: unknown[]): number[] => {
    if (args.length < 1 || args.length > 3 || !args.every((a) => Number.isInteger(a))) throw new Error('range() takes 1 to 3 integers');
    const [start, stop, step = 1] = (args.length === 1 ? [0, args[0]] : args) as number[];
    if (step === 0) throw new Error('range() step must not be zero');
    const count = Math.max(0, Math.ceil((stop! - start!) / step));
    if (count > maxItems) throw new TemplateBudgetError(`range() of ${count} numbers (at most ${maxItems})`);
    return Array.from({ length: count }, (_, i) => start! + i * step);
  };
}
