// Placeholder: being built (issue 20).
export default function RegisterPage() {
  return <h1>RegisterPage</h1>;
}
