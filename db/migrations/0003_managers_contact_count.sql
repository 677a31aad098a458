ALTER TABLE "managers" ADD COLUMN "contact_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "managers" m SET "contact_count" = (SELECT count(*) FROM "contacts" c WHERE c."manager_id" = m."id" AND c."deleted_at" IS NULL);
