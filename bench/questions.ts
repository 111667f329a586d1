/**
 * Questions a reader might ask of the State of the Union addresses, for latency at scale
 * (their answers are not scored: quality at scale is measured by known-item search).
 */
export const SOTU_QUESTIONS: readonly string[] = [
  'What did the president say about taxes?',
  'Why should Congress strengthen the navy?',
  'What is the state of the economy?',
  'What caused the war with Mexico?',
  'How should health care be reformed?',
  'How many Americans are out of work?',
  'Why was the Panama Canal built?',
  'What did Lincoln say about slavery?',
  'How will the budget deficit be reduced?',
  'What is the policy toward the Indian tribes?',
  'What happened to the national debt?',
  'Why do we need a strong army?',
  'What about immigration and the border?',
  'How can we improve public schools?',
  'What did the president propose on energy independence?',
  'What is the threat from terrorism?',
  'How should the tariff be revised?',
  'What did he say about the Soviet Union?',
  'Why is the gold standard important?',
  'What about civil rights and voting?',
  'How are the railroads regulated?',
  'What was said about the Great Depression and relief?',
  'How will Social Security be protected?',
  'What are the relations with Great Britain?',
];
