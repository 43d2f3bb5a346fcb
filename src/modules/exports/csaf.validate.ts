import type { DocumentTest } from '@secvisogram/csaf-validator-lib/validateStrict.js';
import { toResult, type ValidationIssue, type ValidationResult } from './schema-validation.js';

/**
 * CSAF 2.0 conformance as the BSI/secvisogram validator checks it: the strict JSON Schema (no unknown
 * properties) and every mandatory test (6.1.x), the level a CSAF document must reach to be published.
 * The schema is the one bundled with the library; the tests also check it against ../shared/corpus.
 */
let validator: ReturnType<typeof loadValidator> | null = null;

/**
 * The library compiles its JSON Schemas as it is imported, seconds of CPU: loaded on first use, so
 * starting the server or a CLI command does not pay for it.
 */
async function loadValidator() {
  const [mandatoryTests, { csaf_2_0_strict }, { default: validateStrict }] = await Promise.all([
    import('@secvisogram/csaf-validator-lib/mandatoryTests.js'),
    import('@secvisogram/csaf-validator-lib/schemaTests.js'),
    import('@secvisogram/csaf-validator-lib/validateStrict.js'),
  ]);
  // A dynamic import's namespace may also carry a synthesized default export: only the tests are passed.
  const mandatory = Object.entries(mandatoryTests).flatMap(([name, test]) => (name.startsWith('mandatoryTest_') ? [test as DocumentTest] : []));
  const tests: DocumentTest[] = [csaf_2_0_strict, ...mandatory];
  return (document: unknown) => validateStrict(tests, document);
}

export async function validateCsaf(document: unknown): Promise<ValidationResult> {
  validator ??= loadValidator();
  // A failed load is not cached: the next call tries again.
  validator.catch(() => (validator = null));
  const report = await (await validator)(document);
  const errors = report.tests.flatMap((test) =>
    test.errors.map((error): ValidationIssue => ({ path: error.instancePath || '/', message: error.message, rule: ruleName(test.name) })),
  );
  // A failing test without messages would otherwise pass silently.
  for (const test of report.tests) if (!test.isValid && test.errors.length === 0) errors.push({ path: '/', message: 'test failed', rule: ruleName(test.name) });
  return toResult(errors);
}

/** "mandatoryTest_6_1_27_3" -> "6.1.27.3"; the schema test keeps its name. */
function ruleName(test: string): string {
  const match = /^mandatoryTest_([\d_]+)$/.exec(test);
  return match ? match[1]!.replaceAll('_', '.') : test;
}
