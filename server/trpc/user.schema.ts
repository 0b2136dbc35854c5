import { z } from 'zod';

export const CreateUserInput = z.object({
  email: z
    .string()
    .trim()
    .max(254, 'must be at most 254 characters')
    .regex(/^[^@\s]+@[^@\s]+$/, 'must be an email address such as ada@example.com'),
});

export const CreateTokenInput = z.union([
  z.object({ userId: z.uuid({ message: 'must be a UUID' }) }).strict(),
  z.object({ email: z.string().trim().min(3).max(254) }).strict(),
]);

export const RevokeTokenInput = z.object({ tokenId: z.uuid({ message: 'must be a UUID' }) });
