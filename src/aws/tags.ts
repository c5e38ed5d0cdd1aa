/** AWS APIs spell tags two ways: a map (Lambda, Cognito, CloudWatch Logs) or a list of Key/Value pairs (IAM, DynamoDB, CloudWatch, SNS). */
export type TagMap = Record<string, string>;

export function tagsFromList(list: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): TagMap {
  return Object.fromEntries((list ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));
}

export function tagList(tags: TagMap): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
