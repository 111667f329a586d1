/**
 * What kind of answer a question expects, when its wording says so: "how many…" wants a
 * quantity, "when…" a time. A sentence without one may be about the right thing, but it does
 * not answer the question ("how many missiles…" → "…discussed supplying long-range missiles").
 */
export type AnswerType = 'quantity' | 'time';

const QUANTITY_QUESTION =
  /\bhow\s+(?:many|much|old|long|far|big|fast|large|high|often)\b|\bwhat\s+(?:percent(?:age)?|number|amount|share|proportion|rate|size|age)\b/iu;
const TIME_QUESTION = /\bwhen\b|\bwhat\s+(?:year|date|day|month|time|week)\b|\bhow\s+soon\b/iu;

const NUMBER_WORDS =
  'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundreds?|thousands?|millions?|billions?|trillions?|dozens?|half|quarter|third|twice|double|triple|percent|per\\s+cent|several|few|many|most|all|none|majority|minority';
const TIME_WORDS =
  'january|february|march|april|may|june|july|august|september|october|november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|' +
  'today|tonight|yesterday|tomorrow|ago|since|until|later|earlier|soon|now|recently|year|years|month|months|week|weeks|day|days|hours?|decades?|century|centuries|spring|summer|autumn|fall|winter|last|next|before|after|during|when';

const QUANTITY = new RegExp(`\\p{N}|\\b(?:${NUMBER_WORDS})\\b`, 'iu');
const TIME = new RegExp(`\\p{N}|\\b(?:${TIME_WORDS})\\b`, 'iu');

/** The answer a question's wording asks for, if it asks for a quantity or a time. */
export function expectedAnswer(question: string): AnswerType | undefined {
  if (QUANTITY_QUESTION.test(question)) return 'quantity';
  if (TIME_QUESTION.test(question)) return 'time';
  return undefined;
}

/** Whether a text holds an answer of the type (a number or number word; a date or time expression). */
export function holdsAnswer(text: string, type: AnswerType): boolean {
  return (type === 'quantity' ? QUANTITY : TIME).test(text);
}
