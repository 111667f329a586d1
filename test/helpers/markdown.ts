/**
 * Whether Discord would render Markdown in `text`: a masked link, a spoiler, code, emphasis,
 * or a line-start heading, subtext or block quote that no backslash escapes. Deliberately
 * broad (a lone `*` counts), so that text which passes shows every character as typed.
 */
export function rendersMarkdown(text: string): boolean {
  // An escaped character is shown as itself: stand it in by a character with no meaning.
  const unescaped = text.replace(/\\./g, '§');
  return /\[[^\]]*\]\(|\|\||`|\*|__|~~|^[ \t]*(#{1,3} |-# |>)/m.test(unescaped);
}
