/**
 * @peculiar/x509 as the rest of server/tls/ imports it. The library (through tsyringe) needs the
 * Reflect metadata polyfill evaluated before it loads, and module evaluation follows import
 * order, so the polyfill comes first here and nothing imports the library directly.
 */
import "reflect-metadata";

export * from "@peculiar/x509";
