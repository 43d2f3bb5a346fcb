import { z } from 'zod';
import type { AdvisoryDocument } from './advisory.types.js';

/**
 * Credited reporters with their advisories, newest first, from published (not withdrawn) advisories.
 * A reporter is listed under the name or handle they chose; those who asked to stay anonymous are
 * counted, never named. Team roles (fix developers, reviewers) are thanked in the advisory itself.
 */

const HALL_OF_FAME_TYPES = new Set(['FINDER', 'REPORTER']);

export const hallOfFameSchema = z.object({
  project: z.string().nullable(),
  entries: z.array(
    z.object({
      name: z.string(),
      advisories: z.array(z.object({ id: z.string(), project: z.string(), title: z.string(), url: z.string(), publishedAt: z.string() })),
    }),
  ),
  anonymousCount: z.number().int().describe('Credits of reporters who asked to stay anonymous'),
});
export type HallOfFame = z.input<typeof hallOfFameSchema>;

/** `entries` must come newest first. */
export function buildHallOfFame(project: string | null, entries: { doc: AdvisoryDocument; url: string }[]): HallOfFame {
  const byName = new Map<string, HallOfFame['entries'][number]>();
  let anonymousCount = 0;
  for (const { doc, url } of entries) {
    if (doc.withdrawnAt) continue;
    const credited = doc.credits.filter((credit) => HALL_OF_FAME_TYPES.has(credit.type));
    for (const credit of credited) {
      if (credit.name === null) {
        anonymousCount += 1;
        continue;
      }
      // The same person may be credited twice on one advisory (finder and reporter): list it once.
      const entry = byName.get(credit.name) ?? { name: credit.name, advisories: [] };
      if (!entry.advisories.some((advisory) => advisory.id === doc.id)) {
        entry.advisories.push({ id: doc.id, project: doc.project.slug, title: doc.title, url, publishedAt: doc.publishedAt.toISOString() });
      }
      byName.set(credit.name, entry);
    }
  }
  // Insertion order follows the newest advisory of each name, since entries come newest first.
  return { project, entries: [...byName.values()], anonymousCount };
}
