// Placeholder: being built (issue 20).
export default function AdminPage() {
  return <h1>AdminPage</h1>;
}
