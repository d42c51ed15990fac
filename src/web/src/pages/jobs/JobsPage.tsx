// Placeholder: being built (issue 20).
export default function JobsPage() {
  return <h1>JobsPage</h1>;
}
