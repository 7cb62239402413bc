import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * shared/cost is pure like the core (no I/O, no clock, no environment, no randomness). eslint's PURE
 * list (eslint.config.js) does not name it yet, so the same rules are checked here on its source.
 */
const dir = join(__dirname, '../../../shared/cost');

describe('shared/cost is pure', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

  it('has sources to check', () => {
    expect(files).toContain('prices.ts');
    expect(files).toContain('model.ts');
  });

  for (const file of files) {
    it(`${file} imports only its siblings and touches no clock, environment or randomness`, () => {
      const src = readFileSync(join(dir, file), 'utf8');
      const imports = [...src.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
      for (const spec of imports) expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[a-z-]+$/);
      expect(src).not.toMatch(/\bprocess\./);
      expect(src).not.toMatch(/\bDate\.now\b|new Date\(\s*\)/);
      expect(src).not.toMatch(/\bMath\.random\b|\bperformance\.now\b/);
    });
  }
});
