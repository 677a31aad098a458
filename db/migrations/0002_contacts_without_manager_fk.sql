ALTER TABLE "contacts" DROP CONSTRAINT "contacts_manager_id_managers_id_fk";
