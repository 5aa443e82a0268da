import { z } from 'zod';
import { Id, plainText, Timestamp } from './common';
import { CredentialKind, Modality, QualificationKind, Role } from './vocabularies';

export const Username = z.string().regex(/^[a-z0-9][a-z0-9_.-]{1,63}$/, 'expected a lower-case user name');

export const User = z.object({
  id: Id,
  username: Username,
  displayName: plainText(200).min(1),
  disabled: z.boolean(),
  createdAt: Timestamp,
});
export type User = z.infer<typeof User>;

/** A stored secret: an argon2id hash (PHC string) or an encrypted TOTP seed. Never sent over the API. */
export const Credential = z.object({
  id: Id,
  userId: Id,
  kind: CredentialKind,
  secret: z.string().min(1),
  createdAt: Timestamp,
});
export type Credential = z.infer<typeof Credential>;

export const Qualification = z.object({
  id: Id,
  userId: Id,
  kind: QualificationKind,
  modality: Modality.nullable(),
  verifiedBy: Id.nullable(),
  validUntil: Timestamp.nullable(),
  createdAt: Timestamp,
});
export type Qualification = z.infer<typeof Qualification>;

export const Membership = z.object({
  id: Id,
  userId: Id,
  projectId: Id,
  role: Role,
  createdAt: Timestamp,
});
export type Membership = z.infer<typeof Membership>;
