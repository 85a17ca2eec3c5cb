import axe from 'axe-core';

/**
 * Runs axe-core (WCAG 2.1 A/AA rules) on `root` in jsdom and returns the
 * violations as readable lines. Colour contrast needs real layout, so it is
 * left to the browser scenario (e2e/scenarios/03-accessibility.mjs).
 */
export async function axeViolations(root: Element = document.body): Promise<string[]> {
  const result = await axe.run(root, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    rules: { 'color-contrast': { enabled: false } },
    resultTypes: ['violations'],
  });
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
