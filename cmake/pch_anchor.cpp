// Anchor translation unit: gives the precompiled-header target (and empty areas) a source file.
namespace lethe::detail { int pch_anchor = 0; }
