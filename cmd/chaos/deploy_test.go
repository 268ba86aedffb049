package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.yaml.in/yaml/v3"
)

// parsesAsCommand checks that args are a chaos command line whose flags
// all exist (the subcommand's own and the root's), with its positional
// arguments as the command takes them.
func parsesAsCommand(args []string) {
	GinkgoHelper()
	root, _ := newRootCmd(streams{out: io.Discard, err: io.Discard})
	cmd, rest, err := root.Find(args)
	Expect(err).NotTo(HaveOccurred(), "%v", args)
	Expect(cmd).NotTo(BeIdenticalTo(root), "%v: no subcommand", args)
	Expect(cmd.ParseFlags(rest)).To(Succeed(), "%v", args)
	Expect(cmd.ValidateArgs(cmd.Flags().Args())).To(Succeed(), "%v", args)
}

// yamlDocs reads every document of a YAML file.
func yamlDocs(path string) []map[string]any {
	GinkgoHelper()
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		Expect(err).NotTo(HaveOccurred(), path)
		docs = append(docs, doc)
	}
}

// at follows keys (string keys, int indexes) into a decoded YAML value.
func at(v any, path ...any) any {
	GinkgoHelper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			Expect(ok).To(BeTrue(), "%v is not a mapping at %q", v, k)
			v = m[k]
		case int:
			l, ok := v.([]any)
			Expect(ok).To(BeTrue(), "%v is not a list at %d", v, k)
			Expect(len(l)).To(BeNumerically(">", k))
			v = l[k]
		}
	}
	return v
}

func words(v any) []string {
	var out []string
	for _, w := range v.([]any) {
		out = append(out, w.(string))
	}
	return out
}

var _ = Describe("the deployment examples (deploy/)", func() {
	k8s := filepath.Join("..", "..", "deploy", "kubernetes")
	shardRE := regexp.MustCompile(`^--shard=\$\(JOB_COMPLETION_INDEX\)/(\d+)$`)

	DescribeTable("an Indexed Job maps JOB_COMPLETION_INDEX onto --shard, and a merge Job joins every shard's directory",
		func(shards, merge string) {
			docs := yamlDocs(filepath.Join(k8s, shards))
			Expect(docs).To(HaveLen(1))
			job := docs[0]
			Expect(job).To(HaveKeyWithValue("apiVersion", "batch/v1"))
			Expect(job).To(HaveKeyWithValue("kind", "Job"))
			Expect(at(job, "spec", "completionMode")).To(Equal("Indexed"))
			completions := at(job, "spec", "completions").(int)
			Expect(at(job, "spec", "parallelism")).To(Equal(completions))
			container := at(job, "spec", "template", "spec", "containers", 0)
			Expect(at(container, "env", 0, "name")).To(Equal("JOB_COMPLETION_INDEX"))
			Expect(at(container, "env", 0, "valueFrom", "fieldRef", "fieldPath")).To(Equal("metadata.annotations['batch.kubernetes.io/job-completion-index']"))
			args := words(at(container, "args"))
			var k string
			var outDir string
			for _, a := range args {
				if m := shardRE.FindStringSubmatch(a); m != nil {
					k = m[1]
				}
				if v, ok := strings.CutPrefix(a, "--out="); ok {
					outDir = v
				}
			}
			Expect(k).To(Equal(strconv.Itoa(completions)), "--shard's K is the Job's completions")
			Expect(outDir).To(ContainSubstring("$(JOB_COMPLETION_INDEX)"), "each shard writes a directory of its own")
			for i := range completions {
				parsesAsCommand(strings.Split(strings.ReplaceAll(strings.Join(args, "\x00"), "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i)), "\x00"))
			}
			Expect(at(job, "spec", "template", "spec", "volumes", 0, "persistentVolumeClaim", "claimName")).To(Equal("chaos-results"))

			mdocs := yamlDocs(filepath.Join(k8s, merge))
			Expect(mdocs).To(HaveLen(1))
			Expect(mdocs[0]).To(HaveKeyWithValue("kind", "Job"))
			margs := words(at(mdocs[0], "spec", "template", "spec", "containers", 0, "args"))
			Expect(margs[0]).To(Equal("merge"))
			var dirs []string
			for i := range completions {
				dirs = append(dirs, strings.ReplaceAll(outDir, "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i)))
			}
			Expect(margs[1:1+completions]).To(Equal(dirs), "the merge reads every shard's --out")
			parsesAsCommand(margs)
			Expect(at(mdocs[0], "spec", "template", "spec", "volumes", 0, "persistentVolumeClaim", "claimName")).To(Equal("chaos-results"))
		},
		Entry("a repeated run", "repeat-shards.yaml", "merge-repeat.yaml"),
		Entry("a sweep", "tune-shards.yaml", "merge-tune.yaml"),
	)

	It("has the shared volume as a ReadWriteMany claim", func() {
		docs := yamlDocs(filepath.Join(k8s, "pvc.yaml"))
		Expect(docs).To(HaveLen(1))
		Expect(docs[0]).To(HaveKeyWithValue("kind", "PersistentVolumeClaim"))
		Expect(at(docs[0], "metadata", "name")).To(Equal("chaos-results"))
		Expect(at(docs[0], "spec", "accessModes")).To(Equal([]any{"ReadWriteMany"}))
	})

	It("has a GitHub Actions matrix whose shards and merge are chaos command lines that parse", func() {
		docs := yamlDocs(filepath.Join("..", "..", "deploy", "github-actions", "shard.yml"))
		Expect(docs).To(HaveLen(1))
		jobs := at(docs[0], "jobs")
		shards := at(jobs, "shard", "strategy", "matrix", "shard").([]any)
		Expect(shards).To(Equal([]any{0, 1, 2, 3}))
		Expect(at(jobs, "merge", "needs")).To(Equal("shard"))
		var runs []string
		for _, job := range []string{"shard", "merge"} {
			for _, step := range at(jobs, job, "steps").([]any) {
				if run, ok := step.(map[string]any)["run"].(string); ok && strings.HasPrefix(run, "./chaos ") {
					runs = append(runs, run)
				}
			}
		}
		Expect(runs).To(HaveLen(2))
		Expect(runs[0]).To(ContainSubstring("--shard ${{ matrix.shard }}/4"))
		for i := range shards {
			parsesAsCommand(strings.Fields(strings.ReplaceAll(runs[0], "${{ matrix.shard }}", strconv.Itoa(i)))[1:])
		}
		Expect(strings.Fields(runs[1])[2:6]).To(Equal([]string{"shard-0", "shard-1", "shard-2", "shard-3"}))
		parsesAsCommand(strings.Fields(runs[1])[1:])
	})
})
