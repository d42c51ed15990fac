// Placeholder: being built (issue 20).
export default function ResetPasswordPage() {
  return <h1>ResetPasswordPage</h1>;
}
