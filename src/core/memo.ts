/** A lazy value, computed on first use and shared after (a rejected promise stays rejected). */
export function memo<T>(factory: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= factory());
}

/** memo() per key. */
export function memoBy<K extends string, T>(factory: (key: K) => Promise<T>): (key: K) => Promise<T> {
  const values = new Map<K, Promise<T>>();
  return (key) => {
    let value = values.get(key);
    if (!value) values.set(key, (value = factory(key)));
    return value;
  };
}
