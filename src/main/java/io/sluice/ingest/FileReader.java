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

    FileReader(RecordTyper typer, LandingLayout layout, HadoopConf conf) {
        this.typer = typer;
        this.layout = layout;
        this.conf = conf;
    }

    @Override
    public Iterator<Row> call(Iterator<List<FileTask>> buckets) {
        Iterator<FileTask> tasks = buckets.hasNext() ? buckets.next().iterator() : List.<FileTask>of().iterator();
        return new Iterator<>() {
            private FileRows current;
            private Row pending;

            @Override
            public boolean hasNext() {
                while (pending == null) {
                    if (current == null) {
                        if (!tasks.hasNext()) {
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
