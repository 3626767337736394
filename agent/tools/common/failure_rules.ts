/**
 * Failure patterns both drivers share: what ssh and the operating system say, whichever tool
 * runs them. Each tool's exit_codes.ts puts its own rules first and these after.
 */
import type { FailureExplanation } from "./result.ts";

export interface FailureRule<I> {
  test: RegExp;
  explain: (match: RegExpExecArray, input: I) => FailureExplanation;
}

export function fixed<I>(test: RegExp, failure: FailureExplanation): FailureRule<I> {
  return { test, explain: () => failure };
}

export function sshRules<I>(): FailureRule<I>[] {
  return [
    fixed(/REMOTE HOST IDENTIFICATION HAS CHANGED/, {
      code: "unreachable",
      message: "The SSH server's host key has changed since it was trusted; refusing to connect.",
    }),
    fixed(/No \S+ host key is known for|Host key verification failed/, {
      code: "unreachable",
      message: "The SSH server's host key is not known; refusing to connect until it is added.",
    }),
    fixed(/Permission denied \(publickey|Permission denied, please try again/, {
      code: "permission_denied",
      message: "The SSH server refused the key.",
    }),
  ];
}

export function diskFullRule<I>(): FailureRule<I> {
  return fixed(/no space left on device|disk quota exceeded|ENOSPC|Insufficient free space/i, {
    code: "disk_full",
    message: "The disk holding the repository is full.",
  });
}

/** The first rule that matches the output, or undefined. */
export function firstMatch<I>(
  rules: FailureRule<I>[],
  { text, input }: { text: string; input: I },
): FailureExplanation | undefined {
  for (const rule of rules) {
    const m = rule.test.exec(text);
    if (m) return rule.explain(m, input);
  }
  return undefined;
}
