ALTER TABLE "contacts" ADD COLUMN "search" text;--> statement-breakpoint
-- The search text of a contact from its data and its manager's email, first and last name field ids; the
-- import writes the same text (lib/contacts/search-text.ts). Inlined by the planner (one SQL expression).
CREATE OR REPLACE FUNCTION contact_search_text(data jsonb, email_id text, first_id text, last_id text)
  RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ select lower(coalesce(data->>email_id, '')) || E'\x01' || lower(concat_ws(' ', data->>first_id, data->>last_id)) $$;--> statement-breakpoint
UPDATE contacts c SET search = contact_search_text(c.data, e.id::text, f.id::text, l.id::text)
  FROM fields e, fields f, fields l
  WHERE e.manager_id = c.manager_id AND e.role = 'email'
    AND f.manager_id = c.manager_id AND f.role = 'first_name'
    AND l.manager_id = c.manager_id AND l.role = 'last_name';
