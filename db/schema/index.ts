export * from "@/db/schema/auth";
export * from "@/db/schema/contacts";
export * from "@/db/schema/syncs";
export * from "@/db/schema/automation";
