import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { accessSettingsFromEnv, configFromEnv, storageRegionsFromEnv, type AccessSettings } from '@delineate/server';
import { refuseBesideServer } from '../store-access';
import { migrate, openDatabase, TransferRepository, type Database, type StorageRegions } from '@delineate/store';
import { commandSummary } from '../catalog';

/** GDPR Art. 30(1) record of processing activities, built from the configuration and the projects. */
export interface ProcessingRecord {
  readonly generatedAt: string;
  readonly controller: { readonly name: string; readonly contact: string };
  readonly dataProtectionOfficer: string | null;
  readonly storage: StorageRegions;
  readonly activities: readonly ProcessingActivity[];
  readonly securityMeasures: readonly string[];
}

export interface ProcessingActivity {
  readonly name: string;
  readonly projectId: string | null;
  readonly purpose: string;
  readonly legalBasis: string;
  readonly region: string;
  readonly dataSubjects: readonly string[];
  readonly dataCategories: readonly string[];
  readonly recipients: ReadonlyArray<{ readonly role: string; readonly members: number }>;
  readonly transfers: ReadonlyArray<{ readonly destinationRegion: string; readonly basis: string; readonly safeguards: string; readonly validUntil: string | null }>;
  readonly retention: string;
}

export interface ProcessingRecordConfig {
  readonly controllerName: string;
  readonly controllerContact: string;
  readonly dpoContact: string | null;
  readonly imageRetention: string;
  readonly auditRetention: string;
  /** Whether audit checkpoints also go to an anchor outside the data folder (DELINEATE_AUDIT_ANCHOR). */
  readonly auditAnchored?: boolean;
  readonly regions: StorageRegions;
  readonly access: AccessSettings;
}

export function processingRecordConfigFromEnv(env: Readonly<Record<string, string | undefined>>): ProcessingRecordConfig {
  return {
    controllerName: env.DELINEATE_CONTROLLER_NAME || '(set DELINEATE_CONTROLLER_NAME)',
    controllerContact: env.DELINEATE_CONTROLLER_CONTACT || '(set DELINEATE_CONTROLLER_CONTACT)',
    dpoContact: env.DELINEATE_DPO_CONTACT || null,
    imageRetention: env.DELINEATE_RETENTION_IMAGES || 'until the project is closed and its releases are archived, then deleted',
    auditRetention: env.DELINEATE_RETENTION_AUDIT || '6 years (45 CFR 164.316(b)(2))',
    auditAnchored: (env.DELINEATE_AUDIT_ANCHOR ?? '').trim() !== '',
    regions: storageRegionsFromEnv(env),
    access: accessSettingsFromEnv(env),
  };
}

const legalBasisText: Record<string, string> = {
  consent: 'Art. 6(1)(a) consent; Art. 9(2)(a) explicit consent',
  public_task: 'Art. 6(1)(e) public task; Art. 9(2)(i)/(j) public health or research',
  legitimate_interest: 'Art. 6(1)(f) legitimate interests; Art. 9(2)(j) research with safeguards (Art. 89)',
  research_exemption: 'Art. 6(1)(e)/(f); Art. 9(2)(j) scientific research with Art. 89 safeguards',
  waiver: 'Art. 9(2)(j) research under an ethics-committee waiver of consent (Art. 89 safeguards)',
};

const transferSafeguards: Record<string, string> = {
  art46_standard_contractual_clauses: 'Art. 46(2)(c) standard data protection clauses',
  art46_binding_corporate_rules: 'Art. 46(2)(b) / Art. 47 binding corporate rules',
  art46_code_of_conduct: 'Art. 46(2)(e) approved code of conduct',
  art46_certification: 'Art. 46(2)(f) approved certification mechanism',
  art49_explicit_consent: 'Art. 49(1)(a) explicit consent of the data subject (derogation)',
  art49_public_interest: 'Art. 49(1)(d) important reasons of public interest (derogation)',
  art49_legal_claims: 'Art. 49(1)(e) legal claims (derogation)',
};

export async function buildProcessingRecord(database: Database, config: ProcessingRecordConfig, now: Date): Promise<ProcessingRecord> {
  const projects = await database.db.selectFrom('projects').select(['id', 'name', 'purpose', 'legal_basis', 'region', 'modality']).orderBy('name').execute();
  const memberships = await database.db.selectFrom('memberships').select(['project_id', 'role']).execute();
  const transfers = await new TransferRepository(database.db).list();
  const activities: ProcessingActivity[] = projects.map((p) => {
    const roles = new Map<string, number>();
    for (const m of memberships.filter((x) => x.project_id === p.id)) roles.set(m.role, (roles.get(m.role) ?? 0) + 1);
    return {
      name: `Annotation project: ${p.name}`,
      projectId: p.id,
      purpose: p.purpose,
      legalBasis: legalBasisText[p.legal_basis] ?? p.legal_basis,
      region: p.region,
      dataSubjects: ['patients whose images are annotated (pseudonymised)', 'annotators, reviewers and staff of the project'],
      dataCategories: [
        `de-identified medical images (${p.modality}) and derived masks: health data, Art. 9`,
        'coarse composition attributes (age band, sex, device, site pseudonym)',
        'annotation provenance (author, time, protocol version)',
      ],
      recipients: [...roles.entries()].sort().map(([role, members]) => ({ role, members })),
      transfers: transfers
        .filter((t) => t.projectId === p.id)
        .map((t) => ({ destinationRegion: t.destinationRegion, basis: t.basis, safeguards: transferSafeguards[t.basis] ?? t.basis, validUntil: t.validUntil })),
      retention: config.imageRetention,
    };
  });
  activities.push({
    name: 'Accounts, access control and the audit log',
    projectId: null,
    purpose: 'authenticate users, enforce least-privilege access and keep accountability for every access to health data',
    legalBasis: 'Art. 6(1)(c) legal obligation and Art. 32 security of processing (HIPAA 45 CFR 164.312(b))',
    region: config.regions.database,
    dataSubjects: ['users of the platform'],
    dataCategories: ['user name, display name, password hash, second-factor seed', 'session and network address records', 'audit events (who accessed which object, when, why, outcome)'],
    recipients: [{ role: 'auditor', members: memberships.filter((m) => m.role === 'auditor').length }, { role: 'data_steward', members: memberships.filter((m) => m.role === 'data_steward').length }],
    transfers: [],
    retention: config.auditRetention,
  });
  const a = config.access;
  return {
    generatedAt: now.toISOString(),
    controller: { name: config.controllerName, contact: config.controllerContact },
    dataProtectionOfficer: config.dpoContact,
    storage: config.regions,
    activities,
    securityMeasures: [
      'De-identification gate (DICOM PS3.15 Annex E): no image reaches an annotator before a passed de-identification record',
      'Pseudonymous subjects; composition attributes stored only as coarse bands',
      'Encryption at rest of every blob (AES-256-GCM); content addressed by SHA-256',
      'Passwords hashed with argon2id (at least 46 MiB, t=1, p=1), rehashed when parameters rise',
      a.relaxMfa
        ? 'Multi-factor authentication (TOTP) is RELAXED in this deployment (demo setting DELINEATE_DEMO_RELAX_MFA)'
        : 'Multi-factor authentication (TOTP, RFC 6238) required for every role that can see images, with single-use recovery codes',
      `Sessions: 256-bit tokens stored hashed, idle timeout ${a.idleTimeoutMs / 60_000} min, absolute timeout ${a.absoluteTimeoutMs / 3_600_000} h, server-side revocation`,
      'Login throttling per account and address without lock-out; no user enumeration',
      'One policy function decides every request from a committed policy table (roles per project, expiring clinical qualifications)',
      `Tamper-evident audit log: SHA-256 hash chain, Ed25519-signed checkpoints kept outside the database${
        config.auditAnchored ? ' and sent to an append-only anchor outside the data folder' : ' (NO anchor outside the data folder: DELINEATE_AUDIT_ANCHOR is not set)'
      }, verifiable with \`delineate audit verify --public-key\``,
      `Access reviews by data stewards, flagged when older than ${a.accessReviewIntervalDays} days`,
      `Break-glass access time-boxed to at most ${a.breakGlassMaxMs / 3_600_000} h, with a reason, stewards notified, audited`,
      'Data residency: the server refuses to start when a project would be stored outside its region; exports to other regions need a recorded Art. 46/49 basis',
    ],
  };
}

export function renderProcessingRecordMarkdown(record: ProcessingRecord): string {
  const out: string[] = [
    '# Record of processing activities (GDPR Art. 30)',
    '',
    `Generated ${record.generatedAt} from the deployment configuration and the project records.`,
    '',
    `- **Controller:** ${record.controller.name} (${record.controller.contact})`,
    `- **Data protection officer:** ${record.dataProtectionOfficer ?? 'not configured (DELINEATE_DPO_CONTACT)'}`,
    `- **Storage regions:** database ${record.storage.database}; blob stores ${record.storage.blobStores.join(', ')}`,
    '',
  ];
  for (const activity of record.activities) {
    out.push(`## ${activity.name}`, '');
    out.push(`- **Purpose:** ${activity.purpose}`);
    out.push(`- **Legal basis:** ${activity.legalBasis}`);
    out.push(`- **Region:** ${activity.region}`);
    out.push(`- **Data subjects:** ${activity.dataSubjects.join('; ')}`);
    out.push(`- **Categories of personal data:** ${activity.dataCategories.join('; ')}`);
    out.push(`- **Recipients (roles with access):** ${activity.recipients.map((r) => `${r.role} (${r.members})`).join(', ') || 'none yet'}`);
    out.push(
      `- **Transfers to other regions and safeguards:** ${
        activity.transfers.map((t) => `${t.destinationRegion}: ${t.safeguards}${t.validUntil ? ` until ${t.validUntil}` : ''}`).join('; ') || 'none'
      }`,
    );
    out.push(`- **Retention:** ${activity.retention}`, '');
  }
  out.push('## Technical and organisational security measures (Art. 32)', '', ...record.securityMeasures.map((m) => `- ${m}`), '');
  return out.join('\n');
}

export function register(program: Command): void {
  const report = program.command('report').description(commandSummary('report'));
  report
    .command('processing-record')
    .description('Write the GDPR Art. 30 record of processing activities as Markdown and JSON')
    .option('--out <folder>', 'folder to write processing-record.md and processing-record.json into', '.')
    .action(async (options: { out: string }) => {
      await refuseBesideServer('stop it to write the record of processing activities, which reads the whole database');
      const config = configFromEnv(process.env);
      const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
      try {
        await migrate(database.db);
        const record = await buildProcessingRecord(database, processingRecordConfigFromEnv(process.env), new Date());
        const folder = resolve(options.out);
        await mkdir(folder, { recursive: true });
        await writeFile(join(folder, 'processing-record.md'), renderProcessingRecordMarkdown(record));
        await writeFile(join(folder, 'processing-record.json'), `${JSON.stringify(record, null, 2)}\n`);
        console.log(`wrote ${join(folder, 'processing-record.md')} and processing-record.json`);
      } finally {
        await database.close();
      }
    });
}
