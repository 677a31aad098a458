ALTER TABLE "runs" ADD COLUMN "warning" text;--> statement-breakpoint
ALTER TABLE "syncs" ADD COLUMN "zip_member" text;--> statement-breakpoint
ALTER TABLE "syncs" ADD COLUMN "settle_seconds" integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE "syncs" ADD COLUMN "ready_marker" text;--> statement-breakpoint
ALTER TABLE "syncs" ADD COLUMN "after_import" text DEFAULT 'leave' NOT NULL;