import { errorWords } from '../ipc/error-words.ts';

/** An error where the user is looking: a headline, the service's sentence, and a retry when one helps. */
export function ErrorNotice({
  error,
  onRetry,
  retryLabel = 'Try again',
}: {
  error: unknown;
  onRetry?: () => void;
  retryLabel?: string;
}) {
  const words = errorWords(error);
  return (
    <div className="notice notice-error" role="alert">
      <p className="notice-headline">{words.headline}</p>
      {words.detail && <p>{words.detail}</p>}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {retryLabel}
        </button>
      )}
    </div>
  );
}
