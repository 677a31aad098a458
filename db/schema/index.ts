export * from "./auth";
export * from "./contacts";
export * from "./syncs";
