import { runStatements, sqlList, type Migration } from '../migration';

const stages = ['annotate', 'review', 'expert_review'] as const;

/**
 * The clinical workflow (issue 7): per-project workflow settings, the recorded agreement
 * sample, each task's place in the workflow, significant-region marks, the structured part of
 * reviews and the agreement results with their derived artifacts.
 */
export const workflow: Migration = {
  id: '0200_workflow',
  async up(db) {
    await runStatements(db, [
      `create table workflow_settings (
        project_id uuid primary key references projects(id),
        expert_label_keys jsonb not null check (jsonb_typeof(expert_label_keys) = 'array'),
        expert_significant_regions boolean not null,
        dice_threshold double precision not null check (dice_threshold >= 0 and dice_threshold <= 1),
        kappa_threshold double precision not null check (kappa_threshold >= -1 and kappa_threshold <= 1),
        sampling_seed bigint not null check (sampling_seed >= 0),
        updated_at timestamptz not null,
        updated_by uuid references users(id)
      )`,
      `create table workflow_samples (
        item_id uuid primary key references items(id),
        project_id uuid not null references projects(id),
        sampled boolean not null,
        readers integer not null check (readers >= 1),
        seed bigint not null,
        batch integer not null,
        draw_position integer not null,
        agreement_job_id uuid,
        created_at timestamptz not null
      )`,
      `create table workflow_tasks (
        task_id uuid primary key references tasks(id),
        project_id uuid not null references projects(id),
        item_id uuid not null references items(id),
        stage text not null check (stage in (${sqlList(stages)})),
        sampled boolean not null,
        reviews_task_id uuid references tasks(id),
        annotation_id uuid references annotations(id),
        revision_version integer check (revision_version >= 1),
        first_submitted_version integer check (first_submitted_version >= 1),
        started_at timestamptz not null,
        submitted_at timestamptz,
        rework_count integer not null default 0 check (rework_count >= 0),
        returned_items jsonb not null default '[]',
        check ((stage = 'annotate') = (reviews_task_id is null))
      )`,
      `create index workflow_tasks_item on workflow_tasks (item_id, stage)`,
      `create index workflow_tasks_project on workflow_tasks (project_id, stage)`,
      `create table workflow_significant_regions (
        id uuid primary key default gen_random_uuid(),
        annotation_id uuid not null references annotations(id),
        version integer not null,
        label_key text not null,
        box jsonb,
        marked_by uuid not null references users(id),
        note text,
        created_at timestamptz not null,
        foreign key (annotation_id, version) references revisions(annotation_id, version)
      )`,
      `create table workflow_reviews (
        review_id uuid primary key references reviews(id),
        task_id uuid not null unique references tasks(id),
        project_id uuid not null references projects(id),
        stage text not null check (stage in ('review', 'expert_review')),
        annotate_task_id uuid not null references tasks(id),
        annotator_id uuid references users(id),
        failed_items jsonb not null check (jsonb_typeof(failed_items) = 'array'),
        label_answers jsonb not null check (jsonb_typeof(label_answers) = 'array'),
        corrected_version integer,
        correction_sizes jsonb not null check (jsonb_typeof(correction_sizes) = 'array'),
        created_at timestamptz not null
      )`,
      `create index workflow_reviews_project on workflow_reviews (project_id)`,
      `create table workflow_agreements (
        id uuid primary key default gen_random_uuid(),
        project_id uuid not null references projects(id),
        item_id uuid not null references items(id),
        label_key text not null,
        label_value integer not null,
        inputs jsonb not null check (jsonb_typeof(inputs) = 'array'),
        pairs jsonb not null check (jsonb_typeof(pairs) = 'array'),
        fleiss_kappa double precision,
        krippendorff_alpha double precision,
        mean_dice double precision,
        consensus_hash text not null check (consensus_hash ~ '^[0-9a-f]{64}$'),
        soft_hash text not null check (soft_hash ~ '^[0-9a-f]{64}$'),
        mask_encoding text not null,
        staple jsonb not null,
        job_id uuid,
        created_at timestamptz not null,
        unique (item_id, label_key)
      )`,
      `create index workflow_agreements_project on workflow_agreements (project_id, label_key)`,
    ]);
  },
};
