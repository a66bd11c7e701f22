import type { ReactNode } from 'react';

/** `text` with the first case-insensitive occurrence of `q` marked, so the agent sees why it matched. */
export function highlight(text: string, q: string): ReactNode {
  const needle = q.trim().toLowerCase();
  if (needle.length < 2) return text;
  const at = text.toLowerCase().indexOf(needle);
  if (at < 0) return text;
  return (
    <>
      {text.slice(0, at)}
      <mark>{text.slice(at, at + needle.length)}</mark>
      {text.slice(at + needle.length)}
    </>
  );
}
