import { z } from "zod";
import {
  contactsQuerySchema,
  fieldInputSchema,
  managerCreateSchema,
  managerPatchSchema,
} from "@/app/api/managers/schemas";
import type { Operation } from "@/lib/api/openapi";
import { pageQuerySchema } from "@/lib/api/paging";
import * as r from "@/lib/api/response-schemas";
import { tokenCreateSchema } from "@/lib/auth/token-schema";
import { webhookCreateSchema } from "@/lib/notify/webhook-schema";
import { runRequestSchema } from "@/lib/runs/run-request-schema";
import { exportedDefinitionSchema, syncDefinitionPatchSchema, syncDefinitionSchema } from "@/lib/syncs/definition";

/**
 * Every documented /api/ operation with the zod schemas its route parses. GET /api/openapi.json is generated
 * from this list, and a test calls each entry (the authorization matrix names them "METHOD /path").
 */
const ok = (description: string, schema?: z.ZodType | null, contentType?: string) => ({
  description,
  schema,
  contentType,
});
const format = (values: [string, ...string[]]) => z.object({ format: z.enum(values).optional() });

export const operations: Operation[] = [
  {
    method: "get",
    path: "/api/health",
    summary: "Liveness: 200 when the database answers",
    minRole: "public",
    responses: { 200: ok("Healthy", r.looseObject), 503: ok("Database unreachable", r.looseObject) },
  },
  {
    method: "get",
    path: "/api/ready",
    summary: "Readiness for load balancers",
    minRole: "public",
    responses: { 200: ok("Ready", r.looseObject), 503: ok("Not ready", r.looseObject) },
  },
  {
    method: "get",
    path: "/api/managers",
    summary: "List Contact Managers (name order, paged)",
    minRole: "viewer",
    query: pageQuerySchema,
    responses: { 200: ok("The managers", r.listOf("managers", r.managerSummarySchema)) },
  },
  {
    method: "post",
    path: "/api/managers",
    summary: "Create a Contact Manager",
    minRole: "editor",
    body: managerCreateSchema,
    responses: { 201: ok("Created", r.managerSchema) },
  },
  {
    method: "get",
    path: "/api/managers/{id}",
    summary: "Get a Contact Manager with its fields",
    minRole: "viewer",
    responses: { 200: ok("The manager", r.managerSchema) },
  },
  {
    method: "patch",
    path: "/api/managers/{id}",
    summary: "Rename a Contact Manager",
    minRole: "editor",
    body: managerPatchSchema,
    responses: { 200: ok("Renamed", r.managerSchema) },
  },
  {
    method: "delete",
    path: "/api/managers/{id}",
    summary: "Delete a Contact Manager, its contacts and imports",
    minRole: "editor",
    responses: { 200: ok("Deleted", r.managerSchema.extend({ deleted: z.literal(true) })) },
  },
  {
    method: "post",
    path: "/api/managers/{id}/fields",
    summary: "Add a field",
    minRole: "editor",
    body: fieldInputSchema,
    responses: { 201: ok("Created", r.fieldSchema) },
  },
  {
    method: "get",
    path: "/api/managers/{id}/contacts",
    summary: "Contacts in key order, paged",
    minRole: "viewer",
    query: contactsQuerySchema,
    responses: { 200: ok("A page of contacts", r.listOf("contacts", r.contactSchema)) },
  },
  {
    method: "get",
    path: "/api/managers/{id}/export",
    summary: "Export every live contact (JSON or CSV, streamed)",
    minRole: "viewer",
    query: format(["json", "csv"]),
    responses: {
      200: ok(
        "The contacts",
        z.array(z.object({ key: z.string(), fields: z.record(z.string(), z.union([z.string(), z.literal(true)])) })),
      ),
    },
  },
  {
    method: "get",
    path: "/api/syncs",
    summary: "The imports list",
    minRole: "viewer",
    query: pageQuerySchema.extend({ managerId: z.uuid().optional() }),
    responses: { 200: ok("A page of imports", r.listOf("syncs", r.looseObject)) },
  },
  {
    method: "post",
    path: "/api/syncs",
    summary: "Create an import from a sync definition document",
    minRole: "editor",
    body: syncDefinitionSchema,
    responses: { 201: ok("Created: the import as GET /api/syncs/{id} shows it", r.looseObject) },
  },
  {
    method: "get",
    path: "/api/syncs/{id}",
    summary: "An import (as in the imports list), or with ?format=definition its sync definition document",
    minRole: "viewer",
    query: format(["summary", "definition"]),
    responses: { 200: ok("The import, or its definition", z.union([exportedDefinitionSchema, r.looseObject])) },
  },
  {
    method: "patch",
    path: "/api/syncs/{id}",
    summary: "Change an import's definition (a partial document, merged onto the stored one, all or nothing)",
    minRole: "editor",
    body: syncDefinitionPatchSchema,
    responses: { 200: ok("Changed: the import as GET /api/syncs/{id} shows it", r.looseObject) },
  },
  {
    method: "delete",
    path: "/api/syncs/{id}",
    summary: "Delete an import (it stops; its runs stay)",
    minRole: "editor",
    responses: { 200: ok("Deleted", z.looseObject({ id: z.uuid(), deleted: z.literal(true) })) },
  },
  {
    method: "get",
    path: "/api/syncs/{id}/status",
    summary: "Current or latest run with progress",
    minRole: "viewer",
    responses: { 200: ok("The status", r.looseObject) },
  },
  {
    method: "post",
    path: "/api/syncs/{id}/run",
    summary: "Run now (Go), optionally as a dry run",
    minRole: "editor",
    body: runRequestSchema,
    responses: { 202: ok("Started", r.runStartedSchema) },
  },
  {
    method: "post",
    path: "/api/syncs/{id}/upload",
    summary: "Push a file to an upload import and run it",
    minRole: "editor",
    rawBody: true,
    responses: { 202: ok("Started", r.runStartedSchema), 413: ok("Larger than the upload limit", r.errorSchema) },
  },
  {
    method: "get",
    path: "/api/syncs/{id}/runs",
    summary: "An import's runs, newest first",
    minRole: "viewer",
    query: pageQuerySchema,
    responses: { 200: ok("A page of runs", r.listOf("runs", r.runSchema)) },
  },
  {
    method: "get",
    path: "/api/runs/{id}",
    summary: "A run's summary and plan sample",
    minRole: "viewer",
    responses: { 200: ok("The run", r.runDetailSchema) },
  },
  {
    method: "get",
    path: "/api/runs/{id}/errors",
    summary: "A run's row errors (JSON paged, or ?format=csv)",
    minRole: "viewer",
    query: pageQuerySchema.extend(format(["json", "csv"]).shape),
    responses: { 200: ok("A page of row errors", r.listOf("errors", r.runErrorSchema)) },
  },
  {
    method: "post",
    path: "/api/runs/{id}/approve",
    summary: "Approve a blocked run and run it",
    minRole: "editor",
    responses: { 202: ok("Approval run started", r.runStartedSchema) },
  },
  {
    method: "post",
    path: "/api/runs/{id}/revert",
    summary: "Revert a run",
    minRole: "editor",
    responses: { 200: ok("Reverted", r.revertResultSchema) },
  },
  {
    method: "post",
    path: "/api/uploads",
    summary: "Stream a file for the import wizard",
    minRole: "editor",
    rawBody: true,
    responses: {
      201: ok("Stored", z.object({ upload: z.object({ id: z.uuid(), filename: z.string(), size: z.int() }) })),
    },
  },
  {
    method: "get",
    path: "/api/tokens",
    summary: "List API tokens",
    minRole: "admin",
    query: pageQuerySchema,
    responses: { 200: ok("A page of tokens", r.listOf("tokens", r.tokenSchema)) },
  },
  {
    method: "post",
    path: "/api/tokens",
    summary: "Create an API token (shown once)",
    minRole: "admin",
    body: tokenCreateSchema,
    responses: { 201: ok("Created", r.createdTokenSchema) },
  },
  {
    method: "delete",
    path: "/api/tokens/{id}",
    summary: "Revoke an API token",
    minRole: "admin",
    responses: { 200: ok("Revoked", r.tokenSchema) },
  },
  {
    method: "get",
    path: "/api/webhooks",
    summary: "List webhook endpoints",
    minRole: "admin",
    query: pageQuerySchema,
    responses: { 200: ok("A page of webhooks", r.listOf("webhooks", r.webhookSchema)) },
  },
  {
    method: "post",
    path: "/api/webhooks",
    summary: "Add a webhook endpoint (secret shown once)",
    minRole: "admin",
    body: webhookCreateSchema,
    responses: { 201: ok("Created", r.createdWebhookSchema) },
  },
  {
    method: "delete",
    path: "/api/webhooks/{id}",
    summary: "Remove a webhook endpoint",
    minRole: "admin",
    responses: { 200: ok("Removed", r.webhookSchema) },
  },
  {
    method: "get",
    path: "/api/webhooks/{id}/deliveries",
    summary: "A webhook's delivery log",
    minRole: "admin",
    query: pageQuerySchema,
    responses: { 200: ok("A page of deliveries", r.listOf("deliveries", r.deliverySchema)) },
  },
  {
    method: "get",
    path: "/api/openapi.json",
    summary: "This document",
    minRole: "viewer",
    responses: { 200: ok("OpenAPI 3.1", r.looseObject) },
  },
];
