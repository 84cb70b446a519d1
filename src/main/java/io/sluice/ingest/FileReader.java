package io.sluice.ingest;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Reads landing files on the executors, one after the other, each as a stream ({@link FileRows}): a task holds
 * one record at a time, whatever the size of its files. Emits one row per record, good or bad, with its
 * position, and one file-end row per file; see {@link ParsedRecords#schema} for the columns.
 */
final class FileReader implements FlatMapFunction<Iterator<List<FileTask>>, Row> {
    private static final long serialVersionUID = 1L;

    private final RecordTyper typer;
    private final LandingLayout layout;
    private final HadoopConf conf;
    private final ReadTally tally;
    private final int fileAt;

    /** @param fileAt the index of {@code _source_file} in the rows, where {@code tally}'s columns begin */
    FileReader(RecordTyper typer, LandingLayout layout, HadoopConf conf, ReadTally tally, int fileAt) {
        this.typer = typer;
        this.layout = layout;
        this.conf = conf;
        this.tally = tally;
        this.fileAt = fileAt;
    }

    @Override
    public Iterator<Row> call(Iterator<List<FileTask>> buckets) {
        Iterator<FileTask> tasks = buckets.hasNext() ? buckets.next().iterator() : List.<FileTask>of().iterator();
        ReadTally.Counter counter = tally.counter(fileAt);
        return new Iterator<>() {
            private FileRows current;
            private Row pending;

            @Override
            public boolean hasNext() {
                while (pending == null) {
                    if (current == null) {
                        if (!tasks.hasNext()) {
                            counter.end();
                            return false;
                        }
                        current = open(tasks.next());
                    }
                    pending = current.next();
                    if (pending == null) {
                        current.close();
                        current = null;
                    }
                }
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Row row = pending;
                pending = null;
                counter.count(row);
                return row;
            }
        };
    }

    private FileRows open(FileTask task) {
        FileRows rows = new FileRows(task, typer, layout, conf.get());
        TaskContext context = TaskContext.get();
        if (context != null) {
            // A task cut short (a limit, a failure) still closes the file.
            context.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) done -> rows.close());
        }
        return rows;
    }
}
