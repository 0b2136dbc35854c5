import { z } from 'zod';
import { uuid } from './common.schema.js';

/** Email addresses are ASCII: they are compared case-insensitively, and Unicode case mapping folds characters such as the Kelvin sign into ASCII letters. */
const email = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .regex(/^[\x20-\x7e]*$/, { message: 'must be an ASCII email address such as ada@example.com', abort: true })
  .regex(/^[^@\s]+@[^@\s]+$/, 'must be an email address such as ada@example.com');

export const CreateUserInput = z.object({ email });

export const CreateTokenInput = z.union([z.object({ userId: uuid }).strict(), z.object({ email }).strict()]);

export const RevokeTokenInput = z.object({ tokenId: uuid });
