// What the waiting shopper reads about their place in line. Honest bands from the server's
// estimate, never a countdown the server did not promise.

export function positionText(position: number): string {
  return position <= 1 ? 'You are number 1 in line — next up.' : `You are number ${position} in line.`;
}

/** The estimate as a band: "any moment now", "about a minute", "about 4 minutes", … */
export function waitBand(estimateS: number | null): string | null {
  if (estimateS === null || !Number.isFinite(estimateS) || estimateS < 0) return null;
  if (estimateS <= 30) return 'any moment now';
  if (estimateS <= 90) return 'about a minute';
  if (estimateS <= 10 * 60) return `about ${Math.round(estimateS / 60)} minutes`;
  if (estimateS <= 20 * 60) return 'more than 10 minutes';
  return 'more than 20 minutes';
}

export function waitText(estimateS: number | null): string {
  const band = waitBand(estimateS);
  return band ? `Expected wait: ${band}.` : 'We cannot estimate the wait right now.';
}
