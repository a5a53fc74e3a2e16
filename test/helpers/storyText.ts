/**
 * Deterministic story-like English for ingest tests on stories260K (its 512-token vocabulary
 * was trained on children's stories, so this text tokenizes to about one token per 3.5 characters).
 */
const NAMES = ['Lily', 'Tom', 'Sue', 'Ben', 'Max', 'Mia', 'Sam', 'Anna'];
const THINGS = ['ball', 'cat', 'dog', 'tree', 'box', 'cake', 'boat', 'bird', 'hat', 'car'];
const PLACES = ['park', 'garden', 'house', 'school', 'forest', 'beach'];
const FEELINGS = ['happy', 'sad', 'tired', 'excited', 'scared', 'proud'];

/** `paragraphs` paragraphs of 4 sentences each, one sentence per line, a blank line between paragraphs. */
export function storyText(paragraphs: number): string {
  const out: string[] = [];
  for (let p = 0; p < paragraphs; p++) {
    const pick = <T>(a: readonly T[], k: number) => a[(p * 7 + k * 3) % a.length];
    out.push(
      [
        `Once upon a time, ${pick(NAMES, 0)} went to the ${pick(PLACES, 1)} with a red ${pick(THINGS, 2)}.`,
        `${pick(NAMES, 3)} saw a big ${pick(THINGS, 4)} and felt very ${pick(FEELINGS, 5)}.`,
        `They played together all day and shared the ${pick(THINGS, 6)}.`,
        `At night, ${pick(NAMES, 0)} went home and said, "Thank you, mom!"`,
      ].join('\n'),
    );
  }
  return out.join('\n\n') + '\n';
}
