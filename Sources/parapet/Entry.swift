import ArgumentParser
import ParapetCLI

@main
extension ParapetCommand {}
