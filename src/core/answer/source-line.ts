import type { Citation } from './types.js';

/** How a front end shows the parts of a source line: the title (linked or not), and any other label. */
export interface SourceLineStyle {
  title(citation: Citation): string;
  label(text: string, max: number): string;
}

/**
 * The one source line format every front end lists a citation with:
 * `[n] title — publisher — date — section`, each part there when the article records it.
 */
export function sourceLine(citation: Citation, style: SourceLineStyle): string {
  const parts = [
    style.title(citation),
    citation.publisher && style.label(citation.publisher, 100),
    citation.date,
    citation.section && style.label(citation.section, 100),
  ];
  return `[${citation.n}] ${parts.filter(Boolean).join(' — ')}`;
}
