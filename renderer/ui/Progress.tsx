/** A long call in progress, announced politely. */
export function Progress({ label }: { label: string }) {
  return (
    <p className="progress" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}
