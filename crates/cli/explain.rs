pub fn run(
    _g: &crate::cli::GlobalArgs,
    _a: &crate::cli::ExplainArgs,
) -> anyhow::Result<crate::Exit> {
    anyhow::bail!("not yet")
}
