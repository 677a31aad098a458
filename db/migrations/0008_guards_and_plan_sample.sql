CREATE TABLE "run_plan_items" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"change" text NOT NULL,
	"key" text NOT NULL,
	"changes" jsonb
);
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "plan_sample" jsonb;--> statement-breakpoint
ALTER TABLE "syncs" ADD COLUMN "guards" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "run_plan_items" ADD CONSTRAINT "run_plan_items_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "run_plan_items_run_idx" ON "run_plan_items" USING btree ("run_id","change","id");