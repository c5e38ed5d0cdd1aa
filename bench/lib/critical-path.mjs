// The critical path of a command: the longest chain of AWS calls that had to wait for each other.
// Two calls are chained when one ended before the other started (the later one could have needed
// the earlier one's answer); calls that overlapped in time did not wait for each other. On AWS,
// where a round trip costs 50–300 ms, this chain, not the call count, is what the user waits for.

/**
 * Length of the longest chain of calls, each started after the previous one ended.
 * @param {{ start: number, end?: number }[]} calls
 */
export function criticalPath(calls) {
  const done = calls.filter((c) => c.end !== undefined).sort((a, b) => a.start - b.start);
  const chain = new Array(done.length).fill(1);
  let longest = 0;
  for (let i = 0; i < done.length; i++) {
    for (let j = 0; j < i; j++) {
      if (done[j].end <= done[i].start && chain[j] + 1 > chain[i]) chain[i] = chain[j] + 1;
    }
    longest = Math.max(longest, chain[i]);
  }
  return longest;
}

/** The actions along one longest chain, first to last, for the notes ("why 5 and not 2"). */
export function criticalChain(calls) {
  const done = calls.filter((c) => c.end !== undefined).sort((a, b) => a.start - b.start);
  const chain = new Array(done.length).fill(1);
  const prev = new Array(done.length).fill(-1);
  let best = -1;
  for (let i = 0; i < done.length; i++) {
    for (let j = 0; j < i; j++) {
      if (done[j].end <= done[i].start && chain[j] + 1 > chain[i]) {
        chain[i] = chain[j] + 1;
        prev[i] = j;
      }
    }
    if (best < 0 || chain[i] > chain[best]) best = i;
  }
  const path = [];
  for (let i = best; i >= 0; i = prev[i]) path.unshift(done[i].rejected ? `${done[i].action}✗` : done[i].action);
  return path;
}
