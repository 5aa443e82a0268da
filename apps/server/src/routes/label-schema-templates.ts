import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { LabelSchemaResponse, labelSchemaTemplate, labelSchemaTemplates, schemaFromTemplate } from '@delineate/schema';
import { LabelSchemaRepository } from '@delineate/store';
import type { ServerContext } from '../context';
import { requestAccess } from '../access/plugin';
import { defineRoute, type RouteRegistry } from '../http/route';

const templateSummary = z.object({
  id: z.string(),
  version: z.number().int(),
  name: z.string(),
  description: z.string(),
  labels: z.array(z.object({ key: z.string(), name: z.string(), rtRoiInterpretedType: z.string().optional() })),
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
    handler: async () => ({
      templates: labelSchemaTemplates().map((t) => ({
        id: t.id,
        version: t.version,
        name: t.name,
        description: t.description,
        labels: t.labels.map((l) => ({ key: l.key, name: l.name, ...(l.rtRoiInterpretedType ? { rtRoiInterpretedType: l.rtRoiInterpretedType } : {}) })),
      })),
    }),
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
