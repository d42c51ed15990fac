// Placeholder: being built (issue 20).
export default function VerifyEmailPage() {
  return <h1>VerifyEmailPage</h1>;
}
