import { Component, type ErrorInfo, type ReactNode } from 'react';
import { errorWords } from '../ipc/error-words.ts';

interface Props {
  /** What failed, in words: "This account", "The console". */
  what: string;
  children: ReactNode;
}

interface State {
  error: unknown;
}

/** A failure while rendering shows where it happened, with a way back; never a blank screen. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    // Only the message and the component stack: nothing a render error could hold of a secret.
    console.error(
      `${this.props.what} failed to render:`,
      errorWords(error).detail,
      info.componentStack,
    );
  }

  override render(): ReactNode {
    if (this.state.error === null) return this.props.children;
    const words = errorWords(this.state.error);
    return (
      <div className="notice notice-error" role="alert">
        <p className="notice-headline">{this.props.what} could not be shown.</p>
        {words.detail && <p>{words.detail}</p>}
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
