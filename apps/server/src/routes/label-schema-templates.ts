import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Label, LabelSchemaResponse, labelSchemaTemplate, labelSchemaTemplates, schemaFromTemplate, TemplateRef, type LabelSchemaTemplate } from '@delineate/schema';
import { LabelSchemaRepository, ProjectRepository } from '@delineate/store';
import type { ServerContext } from '../context';
import { requestAccess } from '../access/plugin';
import { defineRoute, type RouteRegistry } from '../http/route';

/** A template with its structures whole (codes, colours, definitions, guideline), for the preview before a schema is made from it. */
const templateSummary = z.object({
  id: z.string(),
  version: z.number().int(),
  name: z.string(),
  description: z.string(),
  /** The guidelines its structures cite, each once, in the order they first appear. */
  guidelines: z.array(z.string()),
  labels: z.array(Label),
});

function summaryOf(t: LabelSchemaTemplate): z.infer<typeof templateSummary> {
  return { id: t.id, version: t.version, name: t.name, description: t.description, guidelines: [...new Set(t.labels.map((l) => l.referenceStandard.title))], labels: t.labels };
}

/** A project's pinned label schema with the template (and its name) it came from. */
const PinnedLabelSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  version: z.number().int(),
  template: TemplateRef.extend({ name: z.string().nullable() }).nullable(),
  labels: z.array(Label),
});

const CreateFromTemplateRequest = z.object({
  templateId: z.string().min(1).max(100),
  /** Default: the latest version of the template. */
  version: z.number().int().min(1).optional(),
  /** Default: the template's name. */
  name: z.string().min(1).max(200).optional(),
});

/** The label-schema library (issue 23): list the shipped templates, start a schema from one. */
export function registerLabelSchemaTemplateRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  const schemas = new LabelSchemaRepository(ctx.database.db);

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/label-schema-templates',
    operationId: 'listLabelSchemaTemplates',
    summary: 'The shipped label-schema templates (radiotherapy targets and organs at risk, BraTS, liver) with every version',
    tags: ['projects'],
    action: 'label_schema.template.list',
    resource: 'label_schema',
    responses: { 200: { description: 'Templates', schema: z.object({ templates: z.array(templateSummary) }) } },
    handler: async () => ({ templates: labelSchemaTemplates().map(summaryOf) }),
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/label-schema',
    operationId: 'getProjectLabelSchema',
    summary: "The project's pinned label-schema version with the template and version it was created from (null when made by hand)",
    tags: ['projects'],
    action: 'project.workflow.read',
    resource: 'project',
    params: z.object({ projectId: z.uuid() }),
    responses: { 200: { description: 'The pinned schema', schema: PinnedLabelSchema } },
    handler: async ({ params }) => {
      const project = await new ProjectRepository(ctx.database.db).get(params.projectId);
      const schema = await schemas.get(project.labelSchema.id, project.labelSchema.version);
      const from = schema.template ? labelSchemaTemplates().find((t) => t.id === schema.template?.id && t.version === schema.template.version) : undefined;
      return {
        id: schema.id,
        name: schema.name,
        version: schema.version,
        template: schema.template ? { ...schema.template, name: from?.name ?? null } : null,
        labels: schema.labels,
      };
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/label-schemas/from-template',
    operationId: 'createLabelSchemaFromTemplate',
    summary: 'Create a label schema (version 1) from a template; the schema records the template id and version',
    tags: ['projects'],
    action: 'label_schema.create',
    resource: 'label_schema',
    body: CreateFromTemplateRequest,
    responses: { 201: { description: 'Created', schema: LabelSchemaResponse }, 404: { description: 'DLN_TEMPLATE_NOT_FOUND' } },
    handler: async ({ body }, request, reply) => {
      const template = labelSchemaTemplate(body.templateId, body.version);
      const schema = await schemas.create(schemaFromTemplate(template, body.name));
      requestAccess(request).auditObjectId = schema.id;
      return reply.status(201).send(schema);
    },
  });
}
