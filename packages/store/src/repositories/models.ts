import { DelineateError, isDelineateError, Model, ModelManifest, parseOrThrow, type Label, type ModelRuntime, type Region } from '@delineate/schema';
import type { Kysely, Selectable } from 'kysely';
import type { BlobStore } from '../blob/types';
import { sha256Hex } from '../masks/tiled-masks';
import type { DB, ModelsTable } from '../sql/tables';
import type { Clock } from './annotations';
import { isUniqueViolation, translated, translateDbError } from './db-errors';
import { LabelSchemaRepository } from './label-schemas';

export type RegisterModelInput = Omit<Model, 'id' | 'createdAt' | 'projectId' | 'manifest'>;

/** A project admin's registration: the manifest, and for ONNX the weights it pins. */
export interface RegisterManifestInput {
  readonly projectId: string;
  readonly manifest: unknown;
  readonly createdBy: string;
  /** The ONNX weights; their SHA-256 must equal the manifest's `weightsSha256`. */
  readonly weights?: Uint8Array | undefined;
}

/** A manifest output and the label of the project's pinned schema it draws. */
export interface MappedOutput {
  readonly index: number;
  readonly label: Label;
}

/**
 * The labels a manifest's outputs draw in a label schema; an output whose code the schema does
 * not define is refused (DLN_MODEL_LABEL_UNKNOWN), naming the output index, never a value.
 */
export function mapOutputs(manifest: ModelManifest, labels: readonly Label[]): MappedOutput[] {
  return manifest.outputs.map((o) => {
    const label = labels.find((l) => l.concept.scheme === o.concept.scheme && l.concept.value === o.concept.value);
    if (!label) throw new DelineateError('DLN_MODEL_LABEL_UNKNOWN', `Model output ${o.index} names a code the project's label schema does not define`, { outputIndex: o.index });
    return { index: o.index, label };
  });
}

/** Registered pre-annotation models; an AI revision names one of these by name and version. */
export class ModelRepository {
  readonly #db: Kysely<DB>;
  readonly #clock: Clock;
  readonly #blobs: Pick<BlobStore, 'put' | 'get' | 'region'> | undefined;

  constructor(db: Kysely<DB>, options: { clock?: Clock; blobs?: Pick<BlobStore, 'put' | 'get' | 'region'> } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? (() => new Date());
    this.#blobs = options.blobs;
  }

  async register(input: RegisterModelInput): Promise<Model> {
    const model = parseOrThrow(Model.omit({ id: true, createdAt: true, projectId: true, manifest: true }), input);
    const row = await translated(() =>
      this.#db
        .insertInto('models')
        .values({
          name: model.name,
          version: model.version,
          label_keys: JSON.stringify(model.labelKeys),
          runtime: model.runtime,
          region: model.region,
          created_at: this.#clock(),
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toModel(row);
  }

  /**
   * Registers a model for a project from its manifest. Every output must name a code of the
   * project's pinned label schema; ONNX weights are checked against the manifest's hash
   * (DLN_MODEL_WEIGHTS_MISMATCH) and stored in the blob store before the row is written.
   */
  async registerManifest(input: RegisterManifestInput): Promise<Model> {
    const parsed = ModelManifest.safeParse(input.manifest);
    if (!parsed.success) {
      throw new DelineateError('DLN_MODEL_MANIFEST_INVALID', `The model manifest is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'manifest'}: ${i.message}`).join('; ')}`);
    }
    const manifest = parsed.data;
    const project = await translated(() =>
      this.#db.selectFrom('projects').select(['region', 'label_schema_id', 'label_schema_version']).where('id', '=', input.projectId).executeTakeFirst(),
    );
    if (!project) throw new DelineateError('DLN_NOT_FOUND', 'Project not found');
    const schema = await new LabelSchemaRepository(this.#db).get(project.label_schema_id, project.label_schema_version);
    const mapped = mapOutputs(manifest, schema.labels);
    if (manifest.runtime.kind === 'onnx') {
      if (input.weights) {
        if (sha256Hex(input.weights) !== manifest.weightsSha256) throw new DelineateError('DLN_MODEL_WEIGHTS_MISMATCH', "The weights' SHA-256 differs from the manifest's");
        await this.#weightStore().put(input.weights, { expectedHash: manifest.weightsSha256 });
      } else {
        // Uploaded before (`uploadWeights`): read back and checked, so a model never pins bytes the store lacks.
        await this.weights({ manifest });
      }
      // A promptable model's decoder is uploaded ahead the same way.
      if (manifest.runtime.promptDecoder) await this.weights({ manifest }, 'decoder');
    } else if (input.weights) {
      throw new DelineateError('DLN_MODEL_MANIFEST_INVALID', 'Only ONNX models carry weights');
    }
    try {
      const row = await this.#db
        .insertInto('models')
        .values({
          name: manifest.name,
          version: manifest.version,
          label_keys: JSON.stringify([...new Set(mapped.map((m) => m.label.key))]),
          runtime: manifest.runtime.kind,
          region: project.region,
          created_at: this.#clock(),
          project_id: input.projectId,
          manifest: JSON.stringify(manifest),
          weights_hash: manifest.weightsSha256,
          created_by: input.createdBy,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toModel(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw new DelineateError('DLN_MODEL_EXISTS', 'A model with this name and version is already registered');
      throw translateDbError(e);
    }
  }

  /** Stores weights uploaded ahead of their manifest; refused unless their SHA-256 is `expectedSha256`. */
  async uploadWeights(bytes: Uint8Array, expectedSha256: string): Promise<{ sha256: string; bytes: number }> {
    if (sha256Hex(bytes) !== expectedSha256) throw new DelineateError('DLN_MODEL_WEIGHTS_MISMATCH', "The weights' SHA-256 differs from the one named");
    await this.#weightStore().put(bytes, { expectedHash: expectedSha256 });
    return { sha256: expectedSha256, bytes: bytes.length };
  }

  /** A model's ONNX weights (or a promptable model's decoder), read back and checked against the hash it is pinned by. */
  async weights(model: Pick<Model, 'manifest'>, part: 'model' | 'decoder' = 'model'): Promise<Uint8Array> {
    const runtime = model.manifest?.runtime;
    const hash = part === 'model' ? model.manifest?.weightsSha256 : runtime?.kind === 'onnx' ? runtime.promptDecoder?.decoderSha256 : undefined;
    if (!hash) throw new DelineateError('DLN_MODEL_WEIGHTS_MISSING', 'This model has no weights');
    const bytes = await this.#weightStore()
      .get(hash)
      .catch((e: unknown) => {
        if (isDelineateError(e) && e.code === 'DLN_BLOB_NOT_FOUND') throw new DelineateError('DLN_MODEL_WEIGHTS_MISSING', 'The weights have not been uploaded');
        throw e;
      });
    if (sha256Hex(bytes) !== hash) throw new DelineateError('DLN_MODEL_WEIGHTS_MISMATCH', "The stored weights' SHA-256 differs from the model's");
    return bytes;
  }

  async get(id: string): Promise<Model> {
    const row = await translated(() => this.#db.selectFrom('models').selectAll().where('id', '=', id).executeTakeFirst());
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Model not found');
    return toModel(row);
  }

  async find(name: string, version: string): Promise<Model | undefined> {
    const row = await translated(() =>
      this.#db.selectFrom('models').selectAll().where('name', '=', name).where('version', '=', version).executeTakeFirst(),
    );
    return row ? toModel(row) : undefined;
  }

  async list(): Promise<Model[]> {
    const rows = await translated(() => this.#db.selectFrom('models').selectAll().orderBy('name').orderBy('version').execute());
    return rows.map(toModel);
  }

  /** The models registered for a project, by name then version. */
  async listForProject(projectId: string): Promise<Model[]> {
    const rows = await translated(() =>
      this.#db.selectFrom('models').selectAll().where('project_id', '=', projectId).orderBy('name').orderBy('version').execute(),
    );
    return rows.map(toModel);
  }

  #weightStore(): Pick<BlobStore, 'put' | 'get' | 'region'> {
    if (!this.#blobs) throw new DelineateError('DLN_CONFIG_INVALID', 'The model registry needs the blob store for weights');
    return this.#blobs;
  }
}

function toModel(row: Selectable<ModelsTable>): Model {
  return {
    id: row.id,
    projectId: row.project_id,
    manifest: row.manifest === null ? null : ModelManifest.parse(row.manifest),
    name: row.name,
    version: row.version,
    labelKeys: row.label_keys,
    runtime: row.runtime as ModelRuntime,
    region: row.region as Region,
    createdAt: row.created_at.toISOString(),
  };
}
