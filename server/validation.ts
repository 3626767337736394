/**
 * Turns valibot issues into a message that names the field and what was expected, without ever
 * repeating the rejected value (it may be a secret typed into the wrong field).
 */
import * as v from "valibot";
import { ValidationError } from "./errors.ts";

function describe(issue: v.BaseIssue<unknown>): { field: string; problem: string } {
  const path = (issue.path ?? []).map((p) => String(p.key));
  if (issue.kind === "schema" && issue.expected === "never") {
    // The unknown key itself came from the client: say where it is, never what it is.
    return {
      field: path.slice(0, -1).join(".") || "body",
      problem: "has a field that is not known",
    };
  }
  const field = path.join(".") || "body";
  if (issue.kind === "schema" && issue.received === "undefined") {
    return { field, problem: "is required" };
  }
  const custom = issue.message && !/^Invalid /.test(issue.message);
  return { field, problem: custom ? issue.message : `expected ${issue.expected ?? issue.type}` };
}

export function parseOrThrow<T>(
  schema: v.GenericSchema<unknown, T>,
  input: unknown,
  where: string,
): T {
  const r = v.safeParse(schema, input);
  if (r.success) return r.output;
  const problems = r.issues.slice(0, 10).map(describe);
  const first = problems[0];
  throw new ValidationError(`Invalid ${where}: ${first.field} ${first.problem}`, { problems });
}
