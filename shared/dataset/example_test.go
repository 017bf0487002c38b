package dataset_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/studentperf/studentperf/shared/dataset"
)

func ExampleRead() {
	csv := "\uFEFFgender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course,math_score,reading_score,writing_score\r\n" +
		"female,group B,bachelor's degree,standard,none,72,72,74\r\n" +
		"male,group C,some college,free/reduced,completed,69,,88\r\n"
	t, err := dataset.Read(strings.NewReader(csv), dataset.Students)
	if err != nil {
		fmt.Println(err)
		return
	}
	gender := t.Cols[dataset.Students.Index("gender")]
	fmt.Println(t.Len(), "rows")
	fmt.Println("gender:", gender.Levels, gender.Codes)
	fmt.Println("reading:", t.Cols[dataset.Students.Index("reading_score")].Values)
	fmt.Println("math:", t.Target)
	// Output:
	// 2 rows
	// gender: [female male] [0 1]
	// reading: [72 NaN]
	// math: [72 69]
}

func ExampleRead_error() {
	csv := "gender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course,math_score,reading_score,writing_score\n" +
		"female,group B,bachelor's degree,standard,none,72,abc,74\n"
	_, err := dataset.Read(strings.NewReader(csv), dataset.Students)
	fmt.Println(err)
	// Output:
	// line 2, column "reading_score", value "abc": not a number
}

func ExampleLoad() {
	t, info, err := dataset.Load(context.Background(), "sample", dataset.Students, dataset.SourceOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	train, test, err := dataset.Split(t, 0.2, 42)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.URI, info.Rows, "rows:", train.Len(), "to train,", test.Len(), "to test")
	// Output:
	// sample 1000 rows: 800 to train, 200 to test
}

func ExampleDescribe() {
	t, _, err := dataset.Load(context.Background(), "synthetic:1000", dataset.Students, dataset.SourceOptions{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range dataset.Describe(t).Columns {
		switch c.Kind {
		case dataset.Category:
			fmt.Printf("%s: %s %d\n", c.Name, c.Counts[0].Level, c.Counts[0].Count)
		case dataset.Numeric:
			fmt.Printf("%s: mean %.1f, sd %.1f, range %v-%v\n", c.Name, c.Mean, c.Std, c.Min, c.Max)
		}
	}
	// Output:
	// gender: female 531
	// race_ethnicity: group C 315
	// parental_level_of_education: some college 252
	// lunch: standard 630
	// test_preparation_course: none 645
	// reading_score: mean 68.1, sd 14.7, range 18-100
	// writing_score: mean 67.2, sd 15.5, range 16-100
	// math_score: mean 65.0, sd 14.9, range 14-100
}
