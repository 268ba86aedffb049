package resilience

// ClassifyAs is Classify's errors.As path, which Classify takes only for
// trees holding an As method: the specs check that both agree everywhere.
var ClassifyAs = classifyAs
