-- Managers that already share a name (any case) keep the oldest one's name; the others get " (2)", " (3)", ...
-- (plus their id's start if that name is taken too), so the unique index below can be built.
WITH ranked AS (
	SELECT "id", "name", row_number() OVER (PARTITION BY lower("name") ORDER BY "created_at", "id") AS n
	FROM "managers"
)
UPDATE "managers" m
SET "name" = CASE
	WHEN EXISTS (SELECT 1 FROM "managers" o WHERE lower(o."name") = lower(r."name" || ' (' || r.n || ')'))
	THEN r."name" || ' (' || r.n || ', ' || left(r."id"::text, 8) || ')'
	ELSE r."name" || ' (' || r.n || ')'
END
FROM ranked r
WHERE m."id" = r."id" AND r.n > 1;--> statement-breakpoint
CREATE UNIQUE INDEX "managers_name_idx" ON "managers" USING btree (lower("name"));
