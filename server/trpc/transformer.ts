import type { CombinedDataTransformer } from '@trpc/server';
import superjson, { type SuperJSONResult } from 'superjson';
import { ValidationError } from '../services/errors.js';
import { MAX_INPUT_DEPTH, nestingDepth } from '../services/text-input.js';

/**
 * superjson both ways, with one guard on the way in: superjson decodes recursively, so an input
 * nested thousands of levels deep would exhaust the stack ("Maximum call stack size exceeded").
 * Its depth is measured first, without recursion, and a deep input is refused with a plain message.
 */
export const transformer: CombinedDataTransformer = {
  input: {
    serialize: (value: unknown) => superjson.serialize(value),
    deserialize: (value: unknown) => {
      const depth = nestingDepth(value);
      if (depth > MAX_INPUT_DEPTH) {
        throw new ValidationError([{ field: 'input', message: `is nested more than ${MAX_INPUT_DEPTH} levels deep; no procedure takes input nested that deep` }]);
      }
      return superjson.deserialize(value as SuperJSONResult);
    },
  },
  output: {
    serialize: (value: unknown) => superjson.serialize(value),
    deserialize: (value: unknown) => superjson.deserialize(value as SuperJSONResult),
  },
};
