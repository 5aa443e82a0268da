import { modalities } from '@delineate/schema';
import { runStatements, type Migration } from '../migration';

/**
 * Getting data in (issue 14). API tokens: a user's credential for the CLI and other clients
 * beside a running server, stored only as the SHA-256 of the token, scoped, expiring and
 * revocable. And the modalities a project's ingest accepts besides its own (null: only its own).
 */
export const apiTokens: Migration = {
  id: '0600_api_tokens',
  up: (db) =>
    runStatements(db, [
      `CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id),
        name text NOT NULL,
        token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        scopes jsonb NOT NULL CHECK (jsonb_typeof(scopes) = 'array'),
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        last_used_at timestamptz,
        CHECK (expires_at > created_at)
      )`,
      `CREATE INDEX api_tokens_user ON api_tokens (user_id)`,
      `ALTER TABLE projects ADD COLUMN accepted_modalities jsonb
         CHECK (accepted_modalities IS NULL OR jsonb_typeof(accepted_modalities) = 'array')`,
      // Every value must be a known modality; jsonb has no array-element CHECK, so a trigger-free
      // containment test against the vocabulary does it.
      `ALTER TABLE projects ADD CONSTRAINT projects_accepted_modalities_known
         CHECK (accepted_modalities IS NULL OR accepted_modalities <@ '[${modalities.map((m) => `"${m}"`).join(', ')}]'::jsonb)`,
    ]),
};

